// The relationship map: fetches the graph (dashboards/relationship_map.py) as JSON, lays it out with a small
// force-directed simulation and draws it as SVG. No library, no inline script (CSP allows 'self' only).
(function () {
  "use strict";

  var SVG_NS = "http://www.w3.org/2000/svg";
  var WIDTH = 960;
  var HEIGHT = 600;
  var EDGE_LENGTH = { position: 120, past_position: 150, department: 90, meeting: 140 };

  function svg(name, attributes, parent) {
    var element = document.createElementNS(SVG_NS, name);
    Object.keys(attributes || {}).forEach(function (key) {
      element.setAttribute(key, attributes[key]);
    });
    if (parent) parent.appendChild(element);
    return element;
  }

  function truncate(text, length) {
    return text.length > length ? text.slice(0, length - 1) + "…" : text;
  }

  // Fruchterman–Reingold with the centre pinned: repulsion between every pair (at most 60 nodes, so
  // 1,770 pairs a step), springs along the edges, and a pull towards the middle so islands stay in view.
  function layout(nodes, edges, centreId) {
    var byId = {};
    var rings = [[], [], []];
    nodes.forEach(function (node) {
      byId[node.id] = node;
      rings[Math.min(node.hop, 2)].push(node);
    });
    rings.forEach(function (ring, hop) {
      ring.forEach(function (node, index) {
        var angle = (2 * Math.PI * index) / Math.max(1, ring.length) + hop * 0.4;
        var radius = hop * 170;
        node.x = Math.cos(angle) * radius;
        node.y = Math.sin(angle) * radius * 0.75;
        node.dx = 0;
        node.dy = 0;
      });
    });
    var links = edges
      .map(function (edge) {
        return {
          source: byId[edge.source],
          target: byId[edge.target],
          length: EDGE_LENGTH[edge.kind] || 100,
          edge: edge,
        };
      })
      .filter(function (link) {
        return link.source && link.target;
      });
    var temperature = 60;
    for (var step = 0; step < 320; step++) {
      nodes.forEach(function (node) {
        node.dx = -node.x * 0.01;
        node.dy = -node.y * 0.012;
      });
      for (var i = 0; i < nodes.length; i++) {
        for (var j = i + 1; j < nodes.length; j++) {
          var a = nodes[i];
          var b = nodes[j];
          var x = a.x - b.x;
          var y = a.y - b.y;
          var distance = Math.max(1, Math.sqrt(x * x + y * y));
          var force = 9000 / (distance * distance);
          a.dx += (x / distance) * force;
          a.dy += (y / distance) * force;
          b.dx -= (x / distance) * force;
          b.dy -= (y / distance) * force;
        }
      }
      links.forEach(function (link) {
        var x = link.target.x - link.source.x;
        var y = link.target.y - link.source.y;
        var distance = Math.max(1, Math.sqrt(x * x + y * y));
        var pull = (distance - link.length) * 0.06;
        link.source.dx += (x / distance) * pull;
        link.source.dy += (y / distance) * pull;
        link.target.dx -= (x / distance) * pull;
        link.target.dy -= (y / distance) * pull;
      });
      nodes.forEach(function (node) {
        if (node.id === centreId) return;
        var length = Math.sqrt(node.dx * node.dx + node.dy * node.dy) || 1;
        var move = Math.min(length, temperature);
        node.x += (node.dx / length) * move;
        node.y += (node.dy / length) * move;
      });
      temperature = Math.max(1, temperature * 0.985);
    }
    // Fit the drawing into the picture, leaving room for the labels.
    var extentX = 1;
    var extentY = 1;
    nodes.forEach(function (node) {
      extentX = Math.max(extentX, Math.abs(node.x));
      extentY = Math.max(extentY, Math.abs(node.y));
    });
    var scale = Math.min(1.6, (WIDTH / 2 - 130) / extentX, (HEIGHT / 2 - 40) / extentY);
    nodes.forEach(function (node) {
      node.x *= scale;
      node.y *= scale;
    });
    return links;
  }

  function draw(container, data) {
    container.innerHTML = "";
    if (data.nodes.length <= 1) {
      var empty = document.createElement("p");
      empty.className = "muted";
      empty.textContent = container.dataset.labelEmpty;
      container.appendChild(empty);
    }
    var nodes = data.nodes;
    var links = layout(nodes, data.edges, data.centre);
    var picture = svg("svg", {
      viewBox: -WIDTH / 2 + " " + -HEIGHT / 2 + " " + WIDTH + " " + HEIGHT,
      class: "map-svg",
      role: "img",
      "aria-label": container.closest(".map-card").previousElementSibling.querySelector("h1").textContent,
    });
    var edgeLayer = svg("g", { class: "edges" }, picture);
    var nodeLayer = svg("g", { class: "nodes" }, picture);
    var neighbours = {};
    links.forEach(function (link) {
      var meeting = link.edge.kind === "meeting";
      link.element = svg(
        "line",
        { class: "edge " + link.edge.kind, "stroke-width": meeting ? Math.min(6, link.edge.weight) : 1.5 },
        edgeLayer,
      );
      var described = meeting ? (container.dataset.labelMeetings || "%s").replace("%s", link.edge.weight) : link.edge.label;
      if (described) svg("title", {}, link.element).textContent = described;
      (neighbours[link.source.id] = neighbours[link.source.id] || []).push(link);
      (neighbours[link.target.id] = neighbours[link.target.id] || []).push(link);
    });

    var info = document.createElement("div");
    info.className = "map-info";
    info.hidden = true;
    container.appendChild(picture);
    container.appendChild(info);

    nodes.forEach(function (node) {
      var group = svg("g", { class: "node " + node.kind + (node.id === data.centre ? " centre" : ""), tabindex: "0" }, nodeLayer);
      if (node.kind === "organisation") {
        var size = node.id === data.centre ? 26 : 16;
        svg("rect", { x: -size / 2, y: -size / 2, width: size, height: size, rx: 3, class: "shape" }, group);
      } else {
        svg("circle", { r: node.id === data.centre ? 14 : 9, class: "shape band-" + (node.band || "none") }, group);
      }
      var label = svg("text", { x: 0, y: node.id === data.centre ? 30 : 22, "text-anchor": "middle" }, group);
      label.textContent = truncate(node.label, node.id === data.centre ? 40 : 26);
      svg("title", {}, group).textContent =
        node.label + (node.detail ? " — " + node.detail : "") + (node.score != null ? " (" + node.score + ")" : "");
      node.element = group;
      group.addEventListener("mouseenter", function () {
        highlight(picture, node, neighbours);
      });
      group.addEventListener("mouseleave", function () {
        highlight(picture, null, neighbours);
      });
      group.addEventListener("focus", function () {
        highlight(picture, node, neighbours);
      });
      group.addEventListener("click", function () {
        if (!group.dataset.dragged) show(info, node, data.centre);
        delete group.dataset.dragged;
      });
      group.addEventListener("dblclick", function () {
        window.location.href = node.map_url;
      });
      group.addEventListener("keydown", function (event) {
        if (event.key === "Enter") show(info, node, data.centre);
      });
      drag(picture, group, node, function () {
        place(node, neighbours);
      });
    });
    nodes.forEach(function (node) {
      place(node, neighbours);
    });
    if (data.truncated) {
      var note = document.createElement("p");
      note.className = "small muted";
      note.textContent = container.dataset.labelTruncated;
      container.appendChild(note);
    }
  }

  function place(node, neighbours) {
    node.element.setAttribute("transform", "translate(" + node.x.toFixed(1) + "," + node.y.toFixed(1) + ")");
    (neighbours[node.id] || []).forEach(function (link) {
      link.element.setAttribute("x1", link.source.x.toFixed(1));
      link.element.setAttribute("y1", link.source.y.toFixed(1));
      link.element.setAttribute("x2", link.target.x.toFixed(1));
      link.element.setAttribute("y2", link.target.y.toFixed(1));
    });
  }

  function highlight(picture, node, neighbours) {
    picture.classList.toggle("dimmed", !!node);
    picture.querySelectorAll(".lit").forEach(function (element) {
      element.classList.remove("lit");
    });
    if (!node) return;
    node.element.classList.add("lit");
    (neighbours[node.id] || []).forEach(function (link) {
      link.element.classList.add("lit");
      link.source.element.classList.add("lit");
      link.target.element.classList.add("lit");
    });
  }

  function show(info, node, centre) {
    info.innerHTML = "";
    var title = document.createElement("strong");
    title.textContent = node.label;
    info.appendChild(title);
    if (node.detail) {
      var detail = document.createElement("span");
      detail.className = "muted";
      detail.textContent = " · " + node.detail;
      info.appendChild(detail);
    }
    if (node.score != null) {
      var score = document.createElement("span");
      score.className = "health band-" + node.band;
      score.textContent = node.score;
      info.appendChild(document.createTextNode(" "));
      info.appendChild(score);
    }
    var links = document.createElement("div");
    var open = document.createElement("a");
    open.href = node.url;
    open.textContent = info.closest(".relationship-map").dataset.labelOpen;
    links.appendChild(open);
    if (node.id !== centre) {
      links.appendChild(document.createTextNode(" · "));
      var recentre = document.createElement("a");
      recentre.href = node.map_url;
      recentre.textContent = info.closest(".relationship-map").dataset.labelCentre;
      links.appendChild(recentre);
    }
    info.appendChild(links);
    info.hidden = false;
  }

  function drag(picture, group, node, moved) {
    var start = null;
    group.addEventListener("pointerdown", function (event) {
      start = { x: event.clientX, y: event.clientY };
      group.setPointerCapture(event.pointerId);
    });
    group.addEventListener("pointermove", function (event) {
      if (!start) return;
      var matrix = picture.getScreenCTM().inverse();
      var point = picture.createSVGPoint();
      point.x = event.clientX;
      point.y = event.clientY;
      var at = point.matrixTransform(matrix);
      if (Math.abs(event.clientX - start.x) + Math.abs(event.clientY - start.y) > 3) group.dataset.dragged = "1";
      node.x = at.x;
      node.y = at.y;
      moved();
    });
    group.addEventListener("pointerup", function () {
      start = null;
    });
  }

  document.querySelectorAll(".relationship-map[data-map-url]").forEach(function (container) {
    fetch(container.dataset.mapUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (data) {
        draw(container, data);
      })
      .catch(function () {
        container.querySelector("p").textContent = container.dataset.labelFailed;
      });
  });
})();

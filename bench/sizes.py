"""How big a data set to build: a preset or a number of stakeholders; everything else scales with it."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Size:
    """How many rows of each kind; everything scales with the number of stakeholders."""

    name: str
    stakeholders: int

    @property
    def organisations(self) -> int:
        return max(50, self.stakeholders // 5)

    @property
    def interactions(self) -> int:
        return self.stakeholders * 10

    @property
    def follow_ups(self) -> int:
        return self.stakeholders // 2

    @property
    def meetings(self) -> int:
        return max(20, self.stakeholders // 5)

    @property
    def users(self) -> int:
        return max(12, self.stakeholders // 500)

    @property
    def commitments(self) -> int:
        return max(10, self.stakeholders // 10)

    @property
    def concerns(self) -> int:
        return max(5, self.stakeholders // 20)

    @property
    def heavy_stakeholders(self) -> int:
        """People with over a thousand interactions (when the data set is big enough to hold them)."""
        return max(1, self.stakeholders // 2000)

    def counts(self) -> dict[str, int]:
        return {
            "stakeholders": self.stakeholders,
            "organisations": self.organisations,
            "interactions": self.interactions,
            "follow_ups": self.follow_ups,
            "meetings": self.meetings,
            "commitments": self.commitments,
            "concerns": self.concerns,
            "users": self.users,
        }


PRESETS = {"tiny": 200, "small": 10_000, "default": 100_000, "large": 1_000_000}


def parse_size(text: str) -> Size:
    """A preset (tiny, small, default, large) or a number of stakeholders such as 50000 or 250k."""
    text = text.strip().lower()
    if text in PRESETS:
        return Size(text, PRESETS[text])
    multiplier = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    digits = text[:-1] if multiplier > 1 else text
    try:
        stakeholders = int(float(digits) * multiplier)
    except ValueError:
        raise ValueError(
            f"--size {text!r}: give one of {', '.join(PRESETS)} or a number of stakeholders"
        ) from None
    if stakeholders < 100:
        raise ValueError("--size: at least 100 stakeholders")
    return Size(str(stakeholders), stakeholders)

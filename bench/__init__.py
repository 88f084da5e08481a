"""How Liaison CRM behaves at real scale: a reproducible data set, a production-like server and wrk.

`python -m bench --size small` (or `make bench SIZE=small`) builds the data set (generate.py), starts
gunicorn against it, drives each endpoint with wrk (lua/requests.lua) and prints a table (report.py).
The calibration endpoints in views.py exist only when the BENCHMARK setting is on.
"""

"""Curbside web app and JSON API (FastAPI, server-rendered Jinja2 pages)."""

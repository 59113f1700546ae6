"""Renderers: turn a Report into text, Markdown or JSON. They never run commands or probes."""

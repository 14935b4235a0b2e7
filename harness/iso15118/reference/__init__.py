"""The Java EXI codec (EXIficient, shipped in the PyPI package `iso15118` "Josev") as a reference for our own codec.

Josev pins pydantic 1, so it lives in a dedicated virtualenv (`environment`); a small script runs inside that venv
(`_bridge.py`) and talks JSON lines with `java_codec.JavaExiCodec` in our process. Errors are in `errors`.
"""

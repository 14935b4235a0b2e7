"""Verdict evaluation as pure functions over recorded numbers, so anyone can recompute a verdict from evidence."""

"""Typed ISO 15118-20 message models (generated, see harness.iso15118.exi.generator) and their base."""

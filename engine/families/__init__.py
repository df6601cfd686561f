"""One package per family of models: its config, its trainer(s), its own maths, its view helpers and its Compare
presets, declared once in the family's `FAMILY` record (engine/family.py) and listed in engine/registry.py."""

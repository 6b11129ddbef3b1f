"""Pure music analysis: arrays in, frozen dataclasses out; no files, stores, clouds or CLI."""

"""Synthetic census population calibrated to the 2020 results (see docs/synth.md)."""

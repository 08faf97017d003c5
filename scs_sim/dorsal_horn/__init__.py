"""The dorsal horn: circuit parameters and presets, afferent drive, the spiking and rate backends."""

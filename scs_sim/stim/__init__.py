"""Stimulation: program kinds (one table), pulse trains and dosimetry. Knows nothing of fibres or the network."""

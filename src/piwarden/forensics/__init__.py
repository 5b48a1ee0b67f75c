"""Forensics: catch the insider, trace the leak, spot reused documents.

- :mod:`.anomalies`: abnormal-access detection over access events (features, baselines,
  rules, analyst feedback), from files or incrementally from the audit log;
- :mod:`.attribution`: who leaked a sample (matching, the data map, access evidence, the
  guilt model) and honeytokens;
- :mod:`.documents`: reused certification images, and stamped copies.

``plugin`` registers the built-in anomaly detectors through ``piwarden_forensic_detectors``.
"""

"""Forensics: catch the insider (abnormal access), trace the leak, spot reused documents."""

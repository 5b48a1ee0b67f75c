"""A trained character-level tagger for PERSON, ADDRESS and ORG in Chinese and English text.

- :mod:`~piwarden.detect.ner.recognizer`: ``NameAddressRecognizer``, the Analyzer's hook;
- :mod:`~piwarden.detect.ner.infer`: numpy inference of the shipped artifact (``model/ner.npz``);
- :mod:`~piwarden.detect.ner.features`, :mod:`~piwarden.detect.ner.gazetteer`: model inputs;
- :mod:`~piwarden.detect.ner.data`, :mod:`~piwarden.detect.ner.model`,
  :mod:`~piwarden.detect.ner.train`, :mod:`~piwarden.cli.ner`: training (``[train]`` extra).

See ``docs/ner.md`` for data, split, models measured and how to retrain.
"""

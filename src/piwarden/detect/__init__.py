"""Detection: find personal information in text and name its type, category and grade."""

from piwarden.detect.analyzer import Analyzer, RecognizerError
from piwarden.detect.recognizer import ModelRecognizer, Pattern, Recognizer
from piwarden.detect.span import Span

__all__ = ["Analyzer", "ModelRecognizer", "Pattern", "Recognizer", "RecognizerError", "Span"]

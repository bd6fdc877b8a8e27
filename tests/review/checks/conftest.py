import pytest

from tasuki.review.checks import classifier


@pytest.fixture
def rules_only(monkeypatch):
    """The checks without the classifier that backs up their word lists: for
    tests of the rules themselves, which must never flag their hard negatives
    (the classifier is probabilistic; its rate on the same lines is measured in
    ``test_classifier.py``)."""
    monkeypatch.setattr(classifier, "model", lambda: None)

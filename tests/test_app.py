"""The Streamlit app runs its views headless (streamlit.testing) without exceptions."""
import pytest

from conftest import ROOT

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest


def test_app_shows_the_model_and_classifies_a_sample():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception
    assert any("Validation metrics" in s.value for s in at.subheader)
    assert at.radio[0].value == "a sample file"
    assert len(at.dataframe) == 1 and len(at.dataframe[0].value) > 0
    assert any("accuracy" in m.label for m in at.metric)


def test_app_reports_a_bad_checkpoint():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.sidebar.text_input[0].set_value(str(ROOT / "pytest.ini")).run()
    assert not at.exception
    assert "not a readable PyTorch checkpoint" in at.error[0].value

from __future__ import annotations

from auditor.checklist import checklist_text, load_checklist
from tests.conftest import SHARED


def test_packaged_checklist_is_identical_to_shared_file() -> None:
    shared = SHARED / "checklist.yaml"
    if not shared.is_file():
        import pytest

        pytest.skip("../shared/checklist.yaml is not beside this checkout")
    assert checklist_text() == shared.read_text(encoding="utf-8")


def test_checklist_shape() -> None:
    cl = load_checklist()
    assert len(cl.sections) == 10
    assert len(cl.controls) == 60
    assert len(cl.control_ids) == 60
    assert {c.section for c in cl.controls} == {s.id for s in cl.sections}
    assert cl.control("CONT-NON-ROOT").severity == "high"
    assert cl.control("CONT-NON-ROOT").targets == ("dockerfile", "image", "kubernetes")

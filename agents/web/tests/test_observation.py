"""What the model reads: the task, the step budget, each element with its ref, nesting shown."""

from config import AgentConfig
from conftest import observation
from observation import render


def test_render_shows_task_refs_text_and_nesting(config: AgentConfig) -> None:
    text = render(observation(step=2), config)
    assert 'Task: Click on the "ok" button.' in text
    assert "Step 2 (8 actions left)." in text
    assert '    [4] button "ok" .btn.primary' in text
    assert '[5] input_text value="abc" #tt (focused)' in text
    assert "[1] body" not in text


def test_render_reports_the_previous_error(config: AgentConfig) -> None:
    assert "Your previous action failed: no such ref" in render(
        observation(error="no such ref"), config
    )


def test_render_caps_the_elements() -> None:
    text = render(observation(), AgentConfig(max_elements=2))
    assert "[4]" not in text
    assert "more elements not shown" in text

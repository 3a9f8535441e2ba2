"""Tasks with optional due days (day numbers, to keep the model date-library free)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Task:
    title: str
    due: int | None = None
    done: bool = False


@dataclass
class TodoList:
    tasks: list[Task] = field(default_factory=list)

    def add(self, title: str, due: int | None = None) -> Task:
        task = Task(title, due)
        self.tasks.append(task)
        return task

    def complete(self, title: str) -> None:
        for task in self.tasks:
            if task.title == title:
                task.done = True
                return
        raise KeyError(title)

    def pending(self) -> list[Task]:
        """Tasks still to do, in the order they were added."""
        return [t for t in self.tasks if t.done]

    def overdue(self, today: int) -> list[Task]:
        return [t for t in self.tasks if not t.done and t.due is not None and t.due < today]

    def progress(self) -> float:
        if not self.tasks:
            return 1.0
        return sum(t.done for t in self.tasks) / len(self.tasks)

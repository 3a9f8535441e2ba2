"""A tiny to-do list model."""

from todoist.todo import Task, TodoList

__all__ = ["Task", "TodoList"]

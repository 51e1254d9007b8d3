"""Inspection by phase: inspection plans, their Z1.4 sampling state, the samples stored on FRP lots and what
a unit must have measured (`plans`); first article inspection, AS9102 (`first_article`); the handler of
program's LotCreated (`handlers`)."""

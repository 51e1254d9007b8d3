"""Programs at a glance: the list of programs, a program's dashboard and a lot's units, read across program,
execution and nonconformance."""

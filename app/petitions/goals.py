"""The goal a petition's page shows: its organizers' own until it is reached, then steps up."""

# The shown goal steps up through these multiples of powers of ten once the organizers' goal
# is passed, so the bar always has somewhere to go (100, 150, 250, 500, 750, 1000, ...).
_GOAL_STEPS = (1.0, 1.5, 2.5, 5.0, 7.5)


def displayed_goal(count: int, goal: int) -> int:
    """The goal the page shows: the organizers' own until it is reached, then the next step."""
    if count < goal:
        return goal
    exponent = 2
    while True:
        for step in _GOAL_STEPS:
            candidate = int(step * 10**exponent)
            if candidate > count:
                return candidate
        exponent += 1

"""Named instants around the test petition's deadline (America/New_York)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

PHILADELPHIA = ZoneInfo("America/New_York")

OPENS_AT = datetime(2027, 6, 1, 9, 0, 0, tzinfo=PHILADELPHIA).astimezone(UTC)
CLOSES_AT = datetime(2027, 8, 31, 23, 59, 59, tzinfo=PHILADELPHIA).astimezone(UTC)

BEFORE_OPEN = OPENS_AT - timedelta(days=1)
OPEN = datetime(2027, 7, 15, 12, 0, 0, tzinfo=PHILADELPHIA).astimezone(UTC)
OPEN_MORNING = datetime(2027, 7, 15, 9, 30, 0, tzinfo=PHILADELPHIA).astimezone(UTC)  # before noon
SECOND_BEFORE_CLOSE = CLOSES_AT - timedelta(seconds=1)
AT_CLOSE = CLOSES_AT
IN_GRACE = CLOSES_AT + timedelta(hours=23, minutes=59)
AFTER_GRACE = CLOSES_AT + timedelta(hours=24, seconds=1)

"""Named instants around the test petition's deadline (America/New_York, as PARS), and around
a Los Angeles petition's."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

NEW_YORK = ZoneInfo("America/New_York")  # Philadelphia's zone

OPENS_AT = datetime(2027, 6, 1, 9, 0, 0, tzinfo=NEW_YORK).astimezone(UTC)
CLOSES_AT = datetime(2027, 8, 31, 23, 59, 59, tzinfo=NEW_YORK).astimezone(UTC)

BEFORE_OPEN = OPENS_AT - timedelta(days=1)
OPEN = datetime(2027, 7, 15, 12, 0, 0, tzinfo=NEW_YORK).astimezone(UTC)
OPEN_MORNING = datetime(2027, 7, 15, 9, 30, 0, tzinfo=NEW_YORK).astimezone(UTC)  # before noon
SECOND_BEFORE_CLOSE = CLOSES_AT - timedelta(seconds=1)
AT_CLOSE = CLOSES_AT
IN_GRACE = CLOSES_AT + timedelta(hours=23, minutes=59)
AFTER_GRACE = CLOSES_AT + timedelta(hours=24, seconds=1)

# A petition in Los Angeles, closing at its own midnight (23:59:59 Pacific daylight time,
# 06:59:59 UTC on September 1). It opens in winter, on Pacific standard time (-08:00).
LOS_ANGELES = ZoneInfo("America/Los_Angeles")
LA_OPENS_AT = datetime(2027, 1, 15, 9, 0, 0, tzinfo=LOS_ANGELES).astimezone(UTC)
LA_CLOSES_AT = datetime(2027, 8, 31, 23, 59, 59, tzinfo=LOS_ANGELES).astimezone(UTC)
LA_SECOND_BEFORE_CLOSE = LA_CLOSES_AT - timedelta(seconds=1)
LA_AFTER_CLOSE = LA_CLOSES_AT + timedelta(seconds=1)
# Philadelphia's deadline has passed (21:00 on August 31 in Los Angeles): open in LA still.
LA_AFTER_PHILADELPHIA_CLOSED = CLOSES_AT + timedelta(seconds=1)
# 05:00 UTC on September 1: already that day in Philadelphia, still August 31 in LA.
LA_EVENING_OF_AUGUST_31 = datetime(2027, 9, 1, 5, 0, 0, tzinfo=UTC)

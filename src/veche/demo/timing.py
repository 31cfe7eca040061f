"""When things happen: the day and hour a case arrives, and office hours for the staff's steps.

The shapes follow a city portal's real flow: few posts at night, a plateau from late morning
to late evening, Mondays busiest and Saturdays quietest; letters and receptions arrive on
working days during office hours. The holidays below are the fixed Russian ones, enough for
a demo; the `deadlines` app owns the real production calendar.
"""

import random
from bisect import bisect_left
from datetime import date, datetime, time, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

# Relative frequency of arrivals by hour, 0–23.
ONLINE_HOURS = (19, 10, 4, 2, 2, 2, 2, 6, 13, 19, 24, 28, 28, 29, 30, 31, 30, 29, 28, 28, 26,
                29, 31, 28)  # fmt: skip
PHONE_HOURS = (0, 0, 0, 0, 0, 0, 0, 0, 8, 10, 10, 9, 7, 8, 8, 8, 7, 5, 3, 2, 1, 0, 0, 0)
OFFICE_HOURS = (0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 10, 10, 6, 3, 9, 9, 7, 3, 0, 0, 0, 0, 0, 0)
WEEKDAY = (1.12, 1.05, 1.0, 1.0, 0.95, 0.8, 0.85)
HOLIDAYS = {(1, d) for d in range(1, 9)} | {(2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4)}
WORK_START, WORK_END = 9, 18

Season = tuple[float, ...]


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and (day.month, day.day) not in HOLIDAYS


class Calendar:
    """The year before `now`, in the municipality's zone, with arrival weights per day."""

    def __init__(self, now: datetime, zone: str, monthly: Season) -> None:
        self.zone = ZoneInfo(zone)
        self.now = now.astimezone(self.zone)
        today = self.now.date()
        self.days = [today - timedelta(days=n) for n in range(365)]
        online = [self._weight(d, monthly) for d in self.days]
        office = [w if is_working_day(d) else 0.0 for d, w in zip(self.days, online, strict=True)]
        self._online = list(accumulate(online))
        self._office = list(accumulate(office))

    @staticmethod
    def _weight(day: date, monthly: Season) -> float:
        holiday = 0.8 if (day.month, day.day) in HOLIDAYS else 1.0
        return monthly[day.month - 1] * WEEKDAY[day.weekday()] * holiday

    def arrival(self, rng: random.Random, channel: str) -> datetime:
        """A plausible moment of arrival for a case from this channel, before now."""
        office = channel in ("letter", "reception")
        cumulative = self._office if office else self._online
        index = bisect_left(cumulative, rng.random() * cumulative[-1])
        day = self.days[min(index, len(self.days) - 1)]
        hours = OFFICE_HOURS if office else PHONE_HOURS if channel == "phone" else ONLINE_HOURS
        hour = rng.choices(range(24), hours)[0]
        moment = datetime.combine(day, time(hour, rng.randint(0, 59)), self.zone)
        if moment >= self.now:
            moment = self.now - timedelta(minutes=rng.randint(5, 600))
        return moment

    def day_of(self, month: int, day: int) -> date | None:
        """The most recent date in the window with that month and day."""
        return next((d for d in self.days if (d.month, d.day) == (month, day)), None)


def office_time(moment: datetime, rng: random.Random) -> datetime:
    """The same moment if it is inside office hours, else the next working morning."""
    local = moment
    if is_working_day(local.date()) and WORK_START <= local.hour < WORK_END:
        return local
    day = local.date() if local.hour < WORK_START else local.date() + timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    start = datetime.combine(day, time(WORK_START), local.tzinfo)
    return start + timedelta(minutes=rng.randint(0, 150))


def duty_time(moment: datetime, rng: random.Random) -> datetime:
    """ИМ officers work 8:00–22:00 every day: night posts wait for the morning."""
    if 8 <= moment.hour < 22:
        return moment
    day = moment.date() if moment.hour < 8 else moment.date() + timedelta(days=1)
    return datetime.combine(day, time(8), moment.tzinfo) + timedelta(minutes=rng.randint(0, 90))

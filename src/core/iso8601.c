/*-------------------------------------------------------------------------
 *
 * iso8601.c
 *	  Strict ISO 8601 / RFC 3339 timestamp parsing for event payloads, and
 *	  the UTC day of a timestamp.
 *
 * timestamptz_in accepts far more than a timestamp sent by a client should
 * be ('now', 'epoch', 'infinity', dates in many orders), so event payloads
 * are read with this parser instead.  Accepted:
 *
 *	  YYYY-MM-DD
 *	  YYYY-MM-DD(T|t| )hh:mm[:ss[.fraction]][Z|z|+hh|+hhmm|+hh:mm|-...]
 *
 * A time without an offset is taken as UTC.  Fractions beyond microseconds
 * are rounded.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/datetime.h"

#include "core/core.h"

/* Reads exactly n digits at *p, advancing it; false if they are not there. */
static bool
read_digits(const char **p, const char *end, int n, int *value)
{
	int			v = 0;

	if (end - *p < n)
		return false;
	for (int i = 0; i < n; i++)
	{
		char		c = (*p)[i];

		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*value = v;
	return true;
}

static bool
expect_char(const char **p, const char *end, char c)
{
	if (*p < end && **p == c)
	{
		(*p)++;
		return true;
	}
	return false;
}

/*
 * Reads the fraction after the decimal point as microseconds, rounding
 * half up beyond the sixth digit.
 */
static bool
read_fraction(const char **p, const char *end, int64 *usec)
{
	int64		v = 0;
	int			digits = 0;
	bool		round_up = false;

	while (*p < end && **p >= '0' && **p <= '9')
	{
		if (digits < 6)
			v = v * 10 + (**p - '0');
		else if (digits == 6)
			round_up = (**p >= '5');
		digits++;
		(*p)++;
	}
	if (digits == 0)
		return false;
	for (int i = digits; i < 6; i++)
		v *= 10;
	*usec = v + (round_up ? 1 : 0);
	return true;
}

/* Reads Z or a numeric offset; sets *offset_sec (east of UTC positive). */
static bool
read_offset(const char **p, const char *end, int *offset_sec)
{
	int			sign;
	int			hh,
				mm = 0;

	if (*p == end)
	{
		*offset_sec = 0;
		return true;
	}
	if (**p == 'Z' || **p == 'z')
	{
		(*p)++;
		*offset_sec = 0;
		return true;
	}
	if (**p == '+')
		sign = 1;
	else if (**p == '-')
		sign = -1;
	else
		return false;
	(*p)++;
	if (!read_digits(p, end, 2, &hh) || hh > 23)
		return false;
	if (*p < end)
	{
		expect_char(p, end, ':');
		if (!read_digits(p, end, 2, &mm) || mm > 59)
			return false;
	}
	*offset_sec = sign * (hh * SECS_PER_HOUR + mm * SECS_PER_MINUTE);
	return true;
}

/*
 * CdpParseIso8601 parses str[0..len) as a timestamp.  Returns false when the
 * text is not one of the accepted forms or names no valid instant.
 */
bool
CdpParseIso8601(const char *str, int len, TimestampTz *result)
{
	const char *p = str;
	const char *end = str + len;
	int			year,
				month,
				day;
	int			hour = 0,
				minute = 0,
				second = 0;
	int64		usec = 0;
	int			offset_sec = 0;
	int64		days;

	if (!read_digits(&p, end, 4, &year) || !expect_char(&p, end, '-') ||
		!read_digits(&p, end, 2, &month) || !expect_char(&p, end, '-') ||
		!read_digits(&p, end, 2, &day))
		return false;
	if (year < 1 || month < 1 || month > MONTHS_PER_YEAR || day < 1 ||
		day > day_tab[isleap(year)][month - 1])
		return false;

	if (p < end)
	{
		if (*p != 'T' && *p != 't' && *p != ' ')
			return false;
		p++;
		if (!read_digits(&p, end, 2, &hour) || !expect_char(&p, end, ':') ||
			!read_digits(&p, end, 2, &minute))
			return false;
		if (expect_char(&p, end, ':'))
		{
			if (!read_digits(&p, end, 2, &second))
				return false;
			if ((expect_char(&p, end, '.') || expect_char(&p, end, ',')) &&
				!read_fraction(&p, end, &usec))
				return false;
		}
		if (hour > 23 || minute > 59 || second > 59)
			return false;
		if (!read_offset(&p, end, &offset_sec) || p != end)
			return false;
	}

	days = date2j(year, month, day) - POSTGRES_EPOCH_JDATE;
	*result = ((days * HOURS_PER_DAY + hour) * MINS_PER_HOUR + minute) * SECS_PER_MINUTE;
	*result = (*result + second - offset_sec) * USECS_PER_SEC + usec;
	return IS_VALID_TIMESTAMP(*result);
}

/*
 * CdpUtcDay returns the UTC day of a finite timestamp: the day the BI
 * history tables count it on, whatever the session's time zone.
 */
DateADT
CdpUtcDay(TimestampTz t)
{
	int64		day = t / USECS_PER_DAY;

	if (t < 0 && t % USECS_PER_DAY != 0)
		day--;
	return (DateADT) day;
}

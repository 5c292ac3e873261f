"""English (Canada) formats of the app (settings.FORMAT_MODULE_PATH): dates as YYYY-MM-DD in every
table and form, times on the 12-hour clock. Formats not named here are Django's English ones."""

DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
TIME_FORMAT = "g:i A"
DATETIME_FORMAT = "Y-m-d g:i A"
SHORT_DATETIME_FORMAT = "Y-m-d g:i A"
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%m/%d/%Y", "%b %d %Y", "%b %d, %Y", "%B %d, %Y"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
]
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S", "%H:%M:%S.%f", "%I:%M %p"]
FIRST_DAY_OF_WEEK = 0  # Sunday

"""Chinese input formats with ISO first: a browser's date input (``type="date"``) shows only a
value written as YYYY-MM-DD, and Django renders a date field's value in the first input format
(Django's own zh_Hans list starts with YYYY/MM/DD, so every date field with a value showed empty).
Typed YYYY/MM/DD and 2027年10月1日 are still accepted."""

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
]

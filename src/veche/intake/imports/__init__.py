"""The file-import channel: ПОС and Инцидент Менеджмент exports (XLSX, CSV) become cases.

    readers   stream rows from a file, whatever its format, encoding and size
    parse     dates, durations and flags as Russian systems write them (pure)
    fields    the Veche fields a column can feed; presets: the ИМ header, format detection
    statuses  the federal systems' statuses → the Veche workflow, and the steps to get there
    rows      one row → the facts of one case, or the reason it is refused
    service   an ImportRun from start to end: batches, idempotent updates, problems, progress

Views, the `veche import` command and the huey task are thin edges over `service`.
"""

"""The first worksheet of an XLSX file, row by row, in flat memory — its shared strings too.

openpyxl's read-only mode streams a sheet but first loads the workbook's whole shared-strings
table, and Excel exports keep every text cell there (a citizen's text is one unique string
per row), so its memory grows with the file. Here the zip is read with the standard library
and each part is parsed by expat as it is decompressed:

- the shared strings are read only as far as the sheet has referred to them. Excel writes
  the table in the order cells first use it, so the string a cell needs was usually just
  read and is still in a window of some 250,000 characters held in memory; the window
  then goes to an anonymous temporary file next to the export (the export's disk, not a
  /tmp that may live in memory): UTF-8 bytes, and 16 bytes of offset and length per string
  in a second file. An older string is read back with one seek;
- a document type declaration is refused in every part, so no entity can be declared and
  none can expand: an XLSX from outside is untrusted;
- cell values are what openpyxl's read-only mode gives with `data_only=True` (numbers as
  int or float, dates by the cell's number format and the workbook's 1900/1904 calendar),
  except that an error cell (#N/A) is None and Excel's `_xHHHH_` escapes are decoded.
"""

from veche.intake.imports.xlsx.parsing import BROKEN, Row, WorkbookProblem
from veche.intake.imports.xlsx.sheet import Sheet

__all__ = ["BROKEN", "Row", "Sheet", "WorkbookProblem"]

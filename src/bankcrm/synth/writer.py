"""Writing extract files: one per table, appended chunk by chunk, byte-for-byte reproducible.

CSV: UTF-8, a header of the bare column names, no quoting (the generator never writes a comma,
quote or line break inside a value; Arrow refuses to write one unquoted, so a slip fails loudly
instead of corrupting the file), ``\\n`` line ends. Parquet: fixed writer options (zstd level 3,
format 2.6, statistics on, no timestamps in the metadata), typed columns when clean and all
strings when dirty rows have to be representable.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from bankcrm.domain.contract import TableSpec
from bankcrm.synth.columns import as_text, text_schema, typed_schema


class TableSink:
    """An extract file being written: ``write`` typed or text tables, then ``close``."""

    def __init__(self, directory: Path, spec: TableSpec, file_format: str, all_text: bool) -> None:
        self.spec = spec
        self.path = directory / f"{spec.name}.{file_format}"
        self.rows = 0
        self._csv = file_format == "csv"
        self._text = all_text or self._csv
        self.schema = text_schema(spec) if self._text else typed_schema(spec)
        if self._csv:
            self._file = pa.OSFile(str(self.path), "wb")
            self._file.write((",".join(spec.column_names) + "\n").encode())
            options = pcsv.WriteOptions(include_header=False, quoting_style="none")
            self._csv_writer = pcsv.CSVWriter(self._file, self.schema, write_options=options)
        else:
            self._parquet = pq.ParquetWriter(
                str(self.path),
                self.schema,
                compression="zstd",
                compression_level=3,
                version="2.6",
                write_statistics=True,
                use_dictionary=True,
            )

    @property
    def text(self) -> bool:
        """True when the file holds contract text (CSV, or dirty Parquet)."""
        return self._text

    def prepare(self, table: pa.Table) -> pa.Table:
        """A typed table in the form this file stores."""
        return as_text(self.spec, table) if self._text else table

    def write(self, table: pa.Table) -> None:
        """Append rows already in this file's form (``prepare``)."""
        table = table.cast(self.schema)
        if self._csv:
            self._csv_writer.write_table(table)
        else:
            self._parquet.write_table(table)
        self.rows += table.num_rows

    def close(self) -> None:
        if self._csv:
            self._csv_writer.close()
            self._file.close()
        else:
            self._parquet.close()


class CsvSink:
    """A plain CSV file of string columns (the ``_truth`` files), written like the extract."""

    def __init__(self, path: Path, columns: tuple[str, ...]) -> None:
        self.path = path
        self.schema = pa.schema([(c, pa.string()) for c in columns])
        self._file = pa.OSFile(str(path), "wb")
        self._file.write((",".join(columns) + "\n").encode())
        options = pcsv.WriteOptions(include_header=False, quoting_style="none")
        self._writer = pcsv.CSVWriter(self._file, self.schema, write_options=options)

    def write(self, table: pa.Table) -> None:
        self._writer.write_table(table.cast(self.schema))

    def close(self) -> None:
        self._writer.close()
        self._file.close()

    def __enter__(self) -> CsvSink:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

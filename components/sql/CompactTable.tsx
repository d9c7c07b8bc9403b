import { Table } from 'ink-table';

type Row = Record<string, string>;
type TableProps = ConstructorParameters<typeof Table<Row>>[0];
type RowRenderer = Table<Row>['separator'];

/**
 * ink-table draws a rule between every two rows, which halves the rows a terminal can show; this keeps the rule
 * under the heading only. Row keys end in "-<index>", which tells the first row's rule from the others.
 */
export class CompactTable extends Table<Row> {
  constructor(props: TableProps) {
    super(props);
    const full: RowRenderer = this.separator;
    const none = null as unknown as ReturnType<RowRenderer>;
    this.separator = (p) => (/-0$/.test(p.key) ? full(p) : none);
  }
}

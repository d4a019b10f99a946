// Parsers for AIHub's plain-text answers: the dataset list and a dataset's file tree.
//
// The tree is drawn with `├─ └─ │`; file lines end in `| <size> | <filekey>`:
//   └─013.한국어_방언_발화_데이터(강원도)
//       └─01.데이터
//           ├─1.Training
//           │   └─원천데이터
//           │       └─[원천]강원도_학습데이터_1.zip | 14 GB | 37495
// Depth is taken from the column where the name starts, so any indent width works. Lines that
// are not part of the tree (notices above it) are ignored.

export interface FileTreeRow {
  /** Folder path of the file inside the dataset ('/'-joined), without the file name. */
  dir: string;
  name: string;
  /** `dir/name`. */
  path: string;
  /** Size as AIHub prints it (`14 GB`). */
  size: string;
  /** Approximate bytes (1024-based units), for totals and progress. */
  sizeBytes: number;
  filekey: string;
}

const UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

export function parseSizeText(size: string): number {
  const m = /^\s*([\d.,]+)\s*([KMGT]?B)\s*$/i.exec(size);
  if (!m) return NaN;
  return Math.round(parseFloat(m[1].replace(/,/g, '')) * UNITS[m[2].toUpperCase()]);
}

const TREE_PREFIX = /^([\s│├└─|┃┣┗━]*?)(?:[├└┣┗][─━]+\s*)/;

export function parseFileTree(text: string): FileTreeRow[] {
  const rows: FileTreeRow[] = [];
  const stack: { col: number; name: string }[] = [];
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.replace(/\s+$/, '');
    const m = TREE_PREFIX.exec(line);
    if (!m) continue;
    const col = m[0].length;
    const rest = line.slice(col);
    while (stack.length > 0 && stack[stack.length - 1].col >= col) stack.pop();
    const fileMatch = /^(.*?)\s*\|\s*([^|]+?)\s*\|\s*(\d+)\s*$/.exec(rest);
    if (fileMatch) {
      const dir = stack.map((s) => s.name).join('/');
      const name = fileMatch[1].trim();
      rows.push({ dir, name, path: dir ? `${dir}/${name}` : name, size: fileMatch[2], sizeBytes: parseSizeText(fileMatch[2]), filekey: fileMatch[3] });
    } else {
      stack.push({ col, name: rest.trim() });
    }
  }
  return rows;
}

export interface DatasetListRow {
  datasetkey: string;
  name: string;
}

/** Lines `593, 소음 환경 음성인식 데이터` (or `593 | …`); other lines (notices) are skipped. */
export function parseDatasetList(text: string): DatasetListRow[] {
  const rows: DatasetListRow[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(\d+)\s*[,|\t]\s*(.+?)\s*$/.exec(line);
    if (m) rows.push({ datasetkey: m[1], name: m[2] });
  }
  return rows;
}

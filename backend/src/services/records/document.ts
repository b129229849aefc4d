/**
 * The structure both documents are composed into, before any format: the JSON answer is this,
 * the HTML (and the PDF printed from it) renders it. Every string is plain text; renderers escape.
 */
export type Block =
  | { kind: 'paragraph'; text: string }
  | { kind: 'list'; items: string[] }
  /** The first cell of each row names the row (rendered as a row header). */
  | { kind: 'table'; caption: string; columns: string[]; rows: string[][] }
  /** A caveat the reader must not miss (a gap, a demo set-up, a transfer without safeguard). */
  | { kind: 'warning'; text: string };

export interface DocumentSection {
  id: string;
  heading: string;
  blocks: Block[];
}

export const documentKinds = ['records-of-processing', 'dpia'] as const;
export type DocumentKind = (typeof documentKinds)[number];

export interface ComposedDocument {
  kind: DocumentKind;
  title: string;
  /** Who the document is about, e.g. the controller's name. */
  subject: string;
  /** The legal provision the document answers, e.g. "Art. 30(1) GDPR". */
  provision: string;
  sections: DocumentSection[];
}

/** When and from what a document was generated; printed on it and carried in its file name. */
export interface DocumentStamp {
  configurationVersion: string;
  generatedAt: Date;
}

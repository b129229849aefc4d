/** Enough copies that cropping any sizeable part of the picture still keeps one. */
const COPIES = 12;

/** The viewer's name and the current time, repeated across the picture. */
export class Watermark {
  private readonly marks: HTMLElement[];
  private readonly clock = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

  constructor(
    root: HTMLElement,
    private readonly viewerName: string,
  ) {
    this.marks = Array.from({ length: COPIES }, () => {
      const mark = document.createElement('span');
      mark.className = 'watermark-mark';
      return mark;
    });
    root.replaceChildren(...this.marks);
  }

  show(now: Date): void {
    const text = `${this.viewerName} · ${this.clock.format(now)}`;
    for (const mark of this.marks) mark.textContent = text;
  }
}

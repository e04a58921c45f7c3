// Interned label strings: series store symbol ids into one list, so equal names and values share
// one string and compare by id (the head's index, a block's symbol table).

export class Symbols {
  readonly list: string[] = [];
  private readonly ids = new Map<string, number>();

  /** The id of `s`, adding it if new. */
  intern(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.list.length;
      this.list.push(s);
      this.ids.set(s, id);
    }
    return id;
  }
}

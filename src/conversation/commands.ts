import { z } from 'zod';
import { Clause, clauses, compile, normalise, type Negation, type Phrase } from './phrases.js';
import { readVocabulary } from './vocabulary-file.js';

const phrases = z.array(z.string().trim().min(1)).default([]);
const bilingual = z.object({ en: phrases, zh: phrases }).strict();
const negationSide = z.object({ words: phrases, reach: z.number().int().min(0).max(10), except: phrases }).strict();
const command = z.object({ requests: bilingual, words: bilingual, filler: bilingual, not: bilingual }).strict();

/** knowledge/conversation/commands.yaml (see the file's header). */
export const commandsFile = z
  .object({ negation: z.object({ en: negationSide, zh: negationSide }).strict(), handoff: command, restart: command })
  .strict();

export type Command = 'handoff' | 'restart';

interface Compiled {
  requests: Phrase[];
  /** Words and fillers, longest first, so "customer service" goes before "service". */
  removable: Phrase[];
  words: Phrase[];
  not: Phrase[];
}

const compileCommand = (c: z.infer<typeof command>): Compiled => {
  const byLength = (list: Phrase[]) => [...list].sort((a, b) => b.source.length - a.source.length);
  return {
    requests: compile([...c.requests.en, ...c.requests.zh]),
    words: compile([...c.words.en, ...c.words.zh]),
    removable: byLength(compile([...c.words.en, ...c.words.zh, ...c.filler.en, ...c.filler.zh, ...c.requests.en, ...c.requests.zh])),
    not: byLength(compile([...c.not.en, ...c.not.zh])),
  };
};

/**
 * "agent", "转人工", "start over", "取消" … as commands, only when the message asks for
 * one: a request phrase anywhere ("I want to talk to a real person"), or a message that
 * is nothing but the command's words and filler ("agent please"). The same words inside
 * a fault description stay a description.
 */
export class CommandRecognizer {
  private readonly handoff: Compiled;
  private readonly restart: Compiled;
  private readonly negation: Negation;

  constructor(file: z.infer<typeof commandsFile>) {
    this.negation = file.negation;
    this.handoff = compileCommand(file.handoff);
    this.restart = compileCommand(file.restart);
  }

  static load(knowledgeDir: string): CommandRecognizer {
    return new CommandRecognizer(readVocabulary(knowledgeDir, 'commands.yaml', commandsFile));
  }

  find(text: string): Command | undefined {
    if (text.length > 500) return undefined; // a long message is a description
    if (this.means(text, this.restart)) return 'restart';
    if (this.means(text, this.handoff)) return 'handoff';
    return undefined;
  }

  private means(text: string, c: Compiled): boolean {
    let rest = normalise(text);
    for (const p of c.not) rest = p.remove(rest);
    const parts = clauses(rest).map((t) => new Clause(t));
    if (parts.some((clause) => c.requests.some((p) => clause.hasMeant(p, this.negation)))) return true;
    // The whole message is the command's words and filler.
    if (!parts.some((clause) => c.words.some((p) => clause.has(p)))) return false;
    let left = rest;
    for (const p of c.removable) left = p.remove(left);
    return !/[\p{L}\p{N}]/u.test(left);
  }
}

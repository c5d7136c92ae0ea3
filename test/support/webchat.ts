import type { Page } from 'playwright-core';

/**
 * Reading and typing into Microsoft's Web Chat on the /chat page, as an operator does:
 * the bot's bubbles in order, the send box. Polled from Node: a string predicate would
 * be evaluated in the page, which its Content-Security-Policy forbids.
 */
export const BOT_BUBBLES = '.webchat__bubble:not(.webchat__bubble--from-user) .webchat__bubble__content';
export const USER_BUBBLES = '.webchat__bubble--from-user .webchat__bubble__content';
export const SEND_BOX = '[data-id="webchat-sendbox-input"]';

/** Replies are pushed over the WebSocket; a turn on a loaded machine is well inside this. */
export const WAIT = 20_000;

/** Every bot message Web Chat shows, in order. */
export const botTexts = (page: Page) => page.locator(BOT_BUBBLES).allInnerTexts();

/**
 * Waits until a bot message from index `from` on matches `pattern`, and returns the
 * messages from there on (the match is the last of them that matches).
 */
export async function waitForBot(page: Page, pattern: RegExp, from = 0): Promise<{ text: string; match: RegExpMatchArray; all: string[] }> {
  const end = Date.now() + WAIT;
  for (;;) {
    const all = (await botTexts(page)).slice(from);
    const text = all.filter((t) => pattern.test(t)).at(-1);
    if (text !== undefined) return { text, match: text.match(pattern)!, all };
    if (Date.now() > end)
      throw new Error(`no bot message matching ${pattern} (after message ${from}) within ${WAIT} ms; saw: ${JSON.stringify(all)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Types into Web Chat's send box and presses Enter; waits for Web Chat to show it as sent. */
export async function type(page: Page, text: string): Promise<void> {
  const before = await page.locator(USER_BUBBLES).count();
  const box = page.locator(SEND_BOX);
  await box.fill(text);
  await box.press('Enter');
  await page.locator(USER_BUBBLES).nth(before).waitFor({ timeout: WAIT });
  const shown = (await page.locator(USER_BUBBLES).nth(before).innerText()).trim();
  if (shown !== text) throw new Error(`Web Chat shows "${shown}" for the typed "${text}"`);
}

/** Types a message and waits for the bot's answer matching `pattern`; returns every bot message of the answer. */
export async function say(page: Page, text: string, pattern: RegExp): Promise<{ text: string; match: RegExpMatchArray; all: string[] }> {
  const mark = (await botTexts(page)).length;
  await type(page, text);
  return waitForBot(page, pattern, mark);
}

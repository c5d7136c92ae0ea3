import type { CreateTicketInput } from '../../src/tickets/model.js';
import { createTicketSchema } from '../../src/tickets/model.js';

/** A valid ticket request; override what a test is about. */
export function ticketRequest(overrides: Partial<Record<keyof CreateTicketInput, unknown>> = {}): CreateTicketInput {
  return createTicketSchema.parse({
    customer: { name: 'Harbour Construction Co.', site: { address: '88 Binjiang Road, Pudong, Shanghai', lat: 31.23, lon: 121.5 } },
    contact: { name: 'Wang Fang', phone: '+86 139 1234 5678' },
    equipment: { productLine: 'PT', model: 'PT-56X', serial: 'SN-0001' },
    faults: [{ id: 'PT-H01', confidence: 0.91 }],
    operatorWords: 'the boom will not lift, it just sits there',
    stepsTried: [{ faultId: 'PT-H01', causeId: 'c1', step: 'Checked the hydraulic oil level', result: 'not-fixed' }],
    machineDown: true,
    source: 'api',
    ...overrides,
  });
}

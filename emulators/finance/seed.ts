export interface CreditRecord {
  limit: number;
  debt: number;
  currency: string;
}

/** Demo counterparties for `npm start`: company 3 sits just under its limit, company 5 is over it. */
export const DEMO_COMPANIES: Record<string, CreditRecord> = {
  '1': { limit: 5_000_000, debt: 1_200_000, currency: 'RUB' },
  '2': { limit: 1_000_000, debt: 0, currency: 'RUB' },
  '3': { limit: 2_000_000, debt: 1_950_000, currency: 'RUB' },
  '4': { limit: 250_000, debt: 40_000, currency: 'RUB' },
  '5': { limit: 500_000, debt: 620_000, currency: 'RUB' },
};

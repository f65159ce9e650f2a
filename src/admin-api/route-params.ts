import { GatehouseError } from '../errors/gatehouse-error.js';

export function notFound(what: string, id: string): GatehouseError {
  return new GatehouseError('API_NOT_FOUND', { detail: `no ${what} with id ${id.slice(0, 64)}` });
}

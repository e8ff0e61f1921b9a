import { InputValidationError, InvalidStateError, NotFoundError, RateLimitedError, type FieldProblem } from '../../lib/errors.js';
import { builder, ErrorInterface } from './builder.js';

const FieldError = builder.objectRef<FieldProblem>('FieldError').implement({
  description: 'One invalid input field: its path from the input root (batch paths start with the item index).',
  fields: (t) => ({
    path: t.exposeStringList('path'),
    message: t.exposeString('message'),
  }),
});

builder.objectType(InputValidationError, {
  name: 'ValidationError',
  interfaces: [ErrorInterface],
  description: 'The input was rejected; nothing was written. `fieldErrors` names every bad field.',
  fields: (t) => ({
    fieldErrors: t.field({ type: [FieldError], resolve: (e) => e.fieldErrors }),
  }),
});

builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  interfaces: [ErrorInterface],
  fields: () => ({}),
});

builder.objectType(InvalidStateError, {
  name: 'InvalidStateError',
  interfaces: [ErrorInterface],
  description: 'The operation does not apply to the entity in its current state.',
  fields: () => ({}),
});

builder.objectType(RateLimitedError, {
  name: 'RateLimitedError',
  interfaces: [ErrorInterface],
  description: 'A limit of the API key or its tenant is reached (rate, daily articles, jobs in flight); nothing was written.',
  fields: (t) => ({ retryAfterSeconds: t.exposeInt('retryAfterSeconds') }),
});

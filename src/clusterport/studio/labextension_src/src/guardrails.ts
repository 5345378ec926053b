/**
 * The guardrails of a product's launch parameters, checked before anything is sent.
 * Same rules, same wording as the server side (clusterport.studio.parameters).
 */
import { Parameter } from './api';

export const CLUSTER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,127}$/;

export function checkName(name: string): string | null {
  return CLUSTER_NAME.test(name)
    ? null
    : "Launch name: use 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit";
}

function problem(parameter: Parameter, value: string): string | null {
  if (parameter.allowedValues.length > 0 && !parameter.allowedValues.includes(value)) {
    return `'${value}' is not one of ${parameter.allowedValues.join(', ')}`;
  }
  if (parameter.minLength !== null && value.length < parameter.minLength) {
    return `must be at least ${parameter.minLength} characters long`;
  }
  if (parameter.maxLength !== null && value.length > parameter.maxLength) {
    return `must be at most ${parameter.maxLength} characters long`;
  }
  if (parameter.allowedPattern !== null) {
    let pattern: RegExp | null = null;
    try {
      pattern = new RegExp(`^(?:${parameter.allowedPattern})$`);
    } catch {
      pattern = null; // a pattern the browser cannot compile is left to the server
    }
    if (pattern && !pattern.test(value)) {
      return `must match the pattern ${parameter.allowedPattern}`;
    }
  }
  const numeric =
    parameter.type === 'Number' || parameter.minValue !== null || parameter.maxValue !== null;
  if (numeric) {
    const number = Number(value);
    if (value.trim() === '' || Number.isNaN(number)) {
      return `'${value}' is not a number`;
    }
    if (parameter.minValue !== null && number < parameter.minValue) {
      return `must be at least ${parameter.minValue}`;
    }
    if (parameter.maxValue !== null && number > parameter.maxValue) {
      return `must be at most ${parameter.maxValue}`;
    }
  }
  return null;
}

/** Null when `value` is acceptable, else what is wrong (with the ConstraintDescription). */
export function checkParameter(parameter: Parameter, value: string): string | null {
  if (value === '' && parameter.default === null) {
    return `${parameter.label || parameter.key}: a value is required`;
  }
  if (value === '' && parameter.default !== null) {
    return null; // CloudFormation uses the default
  }
  const found = problem(parameter, value);
  if (found === null) {
    return null;
  }
  const hint = parameter.constraintDescription ? ` (${parameter.constraintDescription})` : '';
  return `${parameter.label || parameter.key}: ${found}${hint}`;
}

import type { Check } from '../check';
import { channelChecks } from './channels';
import { displayChecks } from './display';
import { framingChecks } from './framing';
import { handshakeChecks } from './handshake';
import { inputChecks } from './input';
import { objectChecks } from './objects';
import { processChecks } from './process';
import { valueChecks } from './values';
import { variableChecks } from './variables';
import { windowChecks } from './windows';

/** Every check of the suite, in the order of PROTOCOL.md. */
export const CHECKS: Check[] = [
  ...handshakeChecks,
  ...framingChecks,
  ...channelChecks,
  ...windowChecks,
  ...processChecks,
  ...displayChecks,
  ...inputChecks,
  ...valueChecks,
  ...objectChecks,
  ...variableChecks,
];

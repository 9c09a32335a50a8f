/**
 * Recognises UCUM unit codes (https://ucum.org/ucum) so a lab value can carry the UCUM
 * system only when its unit really is one. A syntax check over the common atoms, not
 * the full table: an unknown unit is kept as plain text, never labelled UCUM wrongly.
 */
const metricAtoms = [
  'm', 's', 'g', 'rad', 'K', 'C', 'cd', 'mol', 'sr', 'Hz', 'N', 'Pa', 'J', 'W', 'A', 'V', 'F',
  'Ohm', 'S', 'Wb', 'Cel', 'T', 'H', 'lm', 'lx', 'Bq', 'Gy', 'Sv', 'l', 'L', 'ar', 't', 'bar',
  'u', 'eV', 'pc', 'gf', 'Ky', 'Gal', 'dyn', 'erg', 'P', 'St', 'Mx', 'G', 'Oe', 'Gb', 'sb',
  'Lmb', 'ph', 'Ci', 'R', 'RAD', 'REM', 'cal', 'cal_IT', 'cal_th', 'cal_m', 'tex', 'eq', 'osm',
  'kat', 'U', '[iU]', '[IU]', 'B', 'Np', 'bit', 'By', 'Bd', 'mho', 'atm', 'g%', 'm[Hg]',
  'm[H2O]', 'B[SPL]', 'B[V]', 'B[mV]', 'B[uV]', 'B[W]', 'B[kW]', '[CCID_50]', '[TCID_50]',
  '[PFU]', '[FFU]', '[CFU]', '[BAU]', '[AU]', '[PNU]', '[Lf]', '[FEU]', '[ELU]', '[EU]',
]
const otherAtoms = [
  '10*', '10^', '[pi]', '%', '[ppth]', '[ppm]', '[ppb]', '[pptr]', 'gon', 'deg', "'", "''",
  'min', 'h', 'd', 'a_t', 'a_j', 'a_g', 'a', 'wk', 'mo_s', 'mo_j', 'mo_g', 'mo', 'Ao', 'b',
  'att', 'circ', 'sph', '[in_i]', '[ft_i]', '[yd_i]', '[mi_i]', '[nmi_i]', '[kn_i]', '[sin_i]',
  '[sft_i]', '[cin_i]', '[cft_i]', '[gal_us]', '[qt_us]', '[pt_us]', '[gil_us]', '[foz_us]',
  '[fdr_us]', '[min_us]', '[tbs_us]', '[tsp_us]', '[cup_us]', '[foz_m]', '[cup_m]', '[tsp_m]',
  '[tbs_m]', '[gal_br]', '[pt_br]', '[foz_br]', '[gr]', '[lb_av]', '[oz_av]', '[dr_av]',
  '[stone_av]', '[oz_tr]', '[lb_tr]', '[degF]', '[degR]', '[Cal]', '[HP]', '[MET]', '[drp]',
  '[mesh_i]', '[Ch]', '[pH]', "[arb'U]", "[USP'U]", "[GPL'U]", "[MPL'U]", "[APL'U]", "[beth'U]",
  "[anti'Xa'U]", "[todd'U]", "[dye'U]", "[smgy'U]", "[bdsk'U]", "[ka'U]", "[knk'U]", "[mclg'U]",
  "[tb'U]", '[HPF]', '[LPF]', '[IR]', '[diop]', "[p'diop]", '%[slope]', '[psi]', '[S]', '[hp_X]',
  '[hp_C]', '[hp_M]', '[hp_Q]', '[kp_X]', '[kp_C]', '[kp_M]', '[kp_Q]', '[car_m]', '[car_Au]',
]
const prefixes = ['Y', 'Z', 'E', 'P', 'T', 'G', 'M', 'k', 'h', 'da', 'd', 'c', 'm', 'u', 'n', 'p', 'f', 'a', 'z', 'y', 'Ki', 'Mi', 'Gi', 'Ti']

const metric = new Set(metricAtoms)
const allAtoms = [...metricAtoms, ...otherAtoms]

/** Every way a simple unit (prefix? atom) can start at `at`: the end positions. */
function simpleUnitEnds(unit: string, at: number): number[] {
  const ends: number[] = []
  for (const atom of allAtoms) if (unit.startsWith(atom, at)) ends.push(at + atom.length)
  for (const prefix of prefixes) {
    if (!unit.startsWith(prefix, at)) continue
    for (const atom of metric) if (unit.startsWith(atom, at + prefix.length)) ends.push(at + prefix.length + atom.length)
  }
  return ends
}

function annotationEnd(unit: string, at: number): number | undefined {
  if (unit[at] !== '{') return undefined
  const close = unit.indexOf('}', at + 1)
  if (close < 0) return undefined
  const body = unit.slice(at + 1, close)
  return /^[!-z|~]*$/.test(body) ? close + 1 : undefined
}

/** End positions of every parse of a component starting at `at`. */
function componentEnds(unit: string, at: number, depth: number): number[] {
  if (depth > 8) return []
  const ends: number[] = []
  const annotation = annotationEnd(unit, at)
  if (annotation !== undefined) ends.push(annotation)
  if (unit[at] === '(') {
    for (const end of termEnds(unit, at + 1, depth + 1)) if (unit[end] === ')') ends.push(end + 1)
  }
  const digits = /^\d+/.exec(unit.slice(at))
  if (digits) ends.push(at + digits[0].length)
  for (const end of simpleUnitEnds(unit, at)) {
    const exponent = /^[+-]?\d+/.exec(unit.slice(end))
    const afterExponent = exponent ? end + exponent[0].length : end
    for (const candidate of exponent ? [afterExponent, end] : [end]) {
      ends.push(candidate)
      const annotated = annotationEnd(unit, candidate)
      if (annotated !== undefined) ends.push(annotated)
    }
  }
  return ends
}

function termEnds(unit: string, at: number, depth: number): number[] {
  const results = new Set<number>()
  let frontier = componentEnds(unit, at, depth)
  while (frontier.length > 0) {
    const next: number[] = []
    for (const end of frontier) {
      if (results.has(end)) continue
      results.add(end)
      if (unit[end] === '.' || unit[end] === '/') next.push(...componentEnds(unit, end + 1, depth))
    }
    frontier = next
  }
  return [...results]
}

export function isUcumCode(unit: string): boolean {
  if (unit.length === 0 || unit.length > 64 || /\s/.test(unit)) return false
  if (unit === '1') return true
  const start = unit.startsWith('/') ? 1 : 0
  return termEnds(unit, start, 0).includes(unit.length)
}

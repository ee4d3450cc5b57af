/**
 * The part of jStat (npm `jstat`, no types of its own) the stats use: the Student t
 * distribution's CDF (stats/welch-test.ts). Its CommonJS export is the jStat object itself.
 */
declare module 'jstat' {
  const jStat: { studentt: { cdf(x: number, degreesOfFreedom: number): number } };
  export default jStat;
}

// Capacity of a buffer that is reused and grown: a quarter more than needed when it grows, so a
// run of slightly longer inputs does not reallocate each time.

/** `have` when it holds `need`, else a quarter more than `need`. */
export const grownCapacity = (have: number, need: number): number => (need > have ? Math.ceil(need * 1.25) : have);

/* The kernel cases the selftest firmware runs, in order; hosts read the table by its symbol. */
#ifndef JB_BENCH_CASES_H
#define JB_BENCH_CASES_H
#include "kernels.h"

extern const jb_conv_shape_t jb_bench_cases[];
extern const uint32_t jb_bench_case_count;

#endif

#ifndef EK_KERNELS_INTERNAL_H
#define EK_KERNELS_INTERNAL_H
/// Row-wise softmax of scale*x over the first n entries of each row, in place.
void ek_softmax_rows(float *x, int rows, int n, long ld, float scale);
#endif

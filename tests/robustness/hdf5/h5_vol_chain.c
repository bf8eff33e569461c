/* h5_vol_chain - writes and reads back a dataset through the default
 * connector (HDF5_VOL_CONNECTOR), then prints the stack of connectors
 * under it by value, walking down every pass-through-style connector
 * (HDF5's pass_through, value 1, and provio, 3071: both keep the under
 * connector's id first in their info). */
#include <hdf5.h>
#include <stdio.h>

int main(void)
{
  hid_t f = H5Fcreate("chain.h5", H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  hsize_t dims[1] = {8};
  hid_t sp = H5Screate_simple(1, dims, NULL);
  hid_t d = H5Dcreate2(f, "d", H5T_NATIVE_INT, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  int data[8] = {1, 2, 3, 4, 5, 6, 7, 8}, back[8] = {0};
  herr_t w = H5Dwrite(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
  herr_t r = H5Dread(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, back);
  printf("write %d read %d: %d..%d\n", (int)w, (int)r, back[0], back[7]);
  H5Dclose(d);
  H5Sclose(sp);
  H5Fclose(f);

  hid_t id;
  void *info;
  if (H5Pget_vol_id(H5P_FILE_ACCESS_DEFAULT, &id) < 0 || H5Pget_vol_info(H5P_FILE_ACCESS_DEFAULT, &info) < 0)
    return 1;
  printf("connectors:");
  for (;;) {
    H5VL_class_value_t value;
    if (H5VLget_value(id, &value) < 0) return 1;
    printf(" %d", (int)value);
    if ((value != 1 && value != 3071) || !info) break;
    id = *(hid_t *)info;
    info = ((void **)info)[1];
  }
  printf("\n");
  return 0;
}

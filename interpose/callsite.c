/* callsite.c - which function of the program made a call: the first stack
 * frame outside libc, MPI, HDF5 and provio, named as "function+0xoff
 * (object)".  Names are resolved once per distinct address and cached. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <execinfo.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>

#include "interpose.h"
#include "serialize.h"
#include "sys.h"
#include "trace.h"

/* Libraries whose frames are not "the program": the I/O stack and us (and
 * a sanitizer's runtime, whose backtrace interceptor is a frame of ours). */
static int infrastructure_object(const char *path)
{
  static const char *const names[] = {"libc.so", "libc-", "ld-linux", "libpthread", "libdl.",
                                      "libprovio", "libmpi", "libopen-", "libpmix", "libhdf5",
                                      "libucs", "libucp", "libuct", "libfabric", "mca_",
                                      "libgcc_s", "libstdc++", "libgfortran", "libclang_rt", "libasan", NULL};
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  for (int i = 0; names[i]; i++)
    if (strncmp(base, names[i], strlen(names[i])) == 0) return 1;
  return 0;
}

/* Verdicts cached per address: dladdr takes the loader's lock. */
#define VERDICTS 1024
static struct { uintptr_t addr; int infra; } verdicts[VERDICTS];

static int in_infrastructure(uintptr_t addr)
{
  size_t k = (addr >> 4) % VERDICTS;
  if (__atomic_load_n(&verdicts[k].addr, __ATOMIC_ACQUIRE) == addr)
    return __atomic_load_n(&verdicts[k].infra, __ATOMIC_RELAXED);
  Dl_info info;
  int infra = dladdr((void *)(addr - 1), &info) && info.dli_fname && infrastructure_object(info.dli_fname);
  __atomic_store_n(&verdicts[k].infra, infra, __ATOMIC_RELAXED);
  __atomic_store_n(&verdicts[k].addr, addr, __ATOMIC_RELEASE);
  return infra;
}

uintptr_t pv_callsite_find(uintptr_t return_address)
{
  if (!(pv_proc.cfg.records & PV_REC_CALLSITES)) return 0;
  if (!in_infrastructure(return_address)) return return_address;
  /* glibc's unwinder loads libgcc_s the first time it is needed: a
   * process that never opens through a library pays nothing at start
   * (linking an unwinder loaded two libraries into every process). */
  void *frames[48];
  int n = backtrace(frames, 48);
  for (int i = 0; i < n; i++)
    if (!in_infrastructure((uintptr_t)frames[i])) return (uintptr_t)frames[i];
  return return_address;
}

/* The function containing addr in the object loaded at base, from its
 * .symtab (dladdr sees only exported symbols, and main is not one).  Sets
 * *start to the function's address. */
static size_t symtab_lookup(const char *path, uintptr_t addr, uintptr_t base, char *dst, size_t cap,
                            uintptr_t *start)
{
  int fd = pv_sys_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) return 0;
  struct stat st;
  size_t found = 0;
  if (pv_sys_fstat(fd, &st) == 0 && st.st_size > (off_t)sizeof(Elf64_Ehdr)) {
    const unsigned char *m = pv_sys_mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m != MAP_FAILED) {
      const Elf64_Ehdr *eh = (const void *)m;
      size_t size = (size_t)st.st_size;
      if (memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0 && eh->e_ident[EI_CLASS] == ELFCLASS64 &&
          eh->e_shoff + (size_t)eh->e_shnum * sizeof(Elf64_Shdr) <= size) {
        /* Symbol values are offsets in shared objects and PIE, addresses
         * in fixed-position executables. */
        uintptr_t shift = eh->e_type == ET_EXEC ? 0 : base, off = addr - shift;
        const Elf64_Shdr *sh = (const void *)(m + eh->e_shoff);
        for (int i = 0; i < eh->e_shnum && !found; i++) {
          if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh->e_shnum) continue;
          const Elf64_Shdr *strs = &sh[sh[i].sh_link];
          if (sh[i].sh_offset + sh[i].sh_size > size || strs->sh_offset + strs->sh_size > size) continue;
          const Elf64_Sym *sym = (const void *)(m + sh[i].sh_offset);
          size_t count = sh[i].sh_size / sizeof *sym;
          for (size_t k = 0; k < count; k++) {
            if (ELF64_ST_TYPE(sym[k].st_info) != STT_FUNC || sym[k].st_value > off ||
                off >= sym[k].st_value + (sym[k].st_size ? sym[k].st_size : 1) ||
                sym[k].st_name >= strs->sh_size)
              continue;
            const char *name = (const char *)m + strs->sh_offset + sym[k].st_name;
            size_t n = strnlen(name, strs->sh_size - sym[k].st_name);
            found = n < cap ? n : cap;
            memcpy(dst, name, found);
            *start = sym[k].st_value + shift;
            break;
          }
        }
      }
      pv_sys_munmap((void *)m, size);
    }
  }
  pv_sys_close(fd);
  return found;
}

/* A racing writer can tear an entry another thread is reading: the worst
 * outcome is a wrong name in a record, never harm to the program. */
#define NAMES 512
static struct {
  uintptr_t pc; /* atomic; set last */
  size_t len;
  char text[400];
} names[NAMES];

size_t pv_callsite_name(uintptr_t pc, char *dst, size_t cap)
{
  size_t k = (pc >> 4) % NAMES;
  if (__atomic_load_n(&names[k].pc, __ATOMIC_ACQUIRE) == pc) {
    size_t n = names[k].len < cap ? names[k].len : cap;
    memcpy(dst, names[k].text, n);
    return n;
  }
  Dl_info info;
  if (!dladdr((void *)(pc - 1), &info) || !info.dli_fname) return 0;
  const char *object = info.dli_fname[0] ? info.dli_fname : pv_proc.exe;
  uintptr_t base = (uintptr_t)info.dli_fbase, start = 0;
  char fn[200], text[sizeof names[0].text], *p = text;
  size_t fl = 0;
  if (info.dli_sname) {
    fl = strnlen(info.dli_sname, sizeof fn);
    memcpy(fn, info.dli_sname, fl);
    start = (uintptr_t)info.dli_saddr;
  } else {
    fl = symtab_lookup(object, pc - 1, base, fn, sizeof fn, &start);
  }
  if (fl) {
    p = pv_put(p, fn, fl);
    p = PV_PUT_LIT(p, "+0x");
  } else {
    p = PV_PUT_LIT(p, "0x");
    start = base;
  }
  uintptr_t delta = pc - start;
  char hex[20];
  int h = 0;
  do hex[h++] = "0123456789abcdef"[delta & 15]; while ((delta >>= 4) && h < 16);
  while (h) *p++ = hex[--h];
  p = PV_PUT_LIT(p, " (");
  /* Long C++ names and deep install paths: keep what fits. */
  size_t ol = strlen(object), room = (size_t)(text + sizeof text - 1 - p);
  if (ol > room) ol = room;
  p = pv_put(p, object, ol);
  *p++ = ')';
  size_t n = (size_t)(p - text);
  memcpy(names[k].text, text, n);
  names[k].len = n;
  __atomic_store_n(&names[k].pc, pc, __ATOMIC_RELEASE);
  n = n < cap ? n : cap;
  memcpy(dst, text, n);
  return n;
}

"""train_with_mlprov.py -- train.py plus explicit mlprov calls: the dataset
is declared and every training sample committed to its Merkle root, the
hyper-parameters are recorded, and checkpoints and the final model become
signed subjects of the provenance (so no --output is needed). Outside
`mlprov run` the calls do nothing and this is train.py.

  mlprov run --key k.pem -- python3 train_with_mlprov.py --data data/train.npz --out out
"""
import mlprov
import train


def main():
    args = train.parse_args()
    data = train.load_data(args.data)
    mlprov.dataset("blobs", path=args.data, record_count=len(data), record_format="records")
    x, y = data.tensors
    xs, ys = x.numpy(), y.numpy()
    for i in range(len(data)):   # per-sample hashing: dataset transparency
        mlprov.record(xs[i].tobytes() + ys[i].tobytes())
    mlprov.params(vars(args))
    mlprov.annotate("example", "examples/pytorch")

    def on_checkpoint(path, final):
        mlprov.artifact(path, role="model" if final else "checkpoint")

    train.run(args, on_checkpoint)


if __name__ == "__main__":
    main()

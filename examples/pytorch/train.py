"""train.py -- a small, ordinary PyTorch training job: loads a dataset file
(make_data.py),
trains an MLP for a few epochs through a DataLoader, saves a checkpoint after
every epoch and the final model. It knows nothing about mlprov: under
`mlprov run` the Python hook records what it reads and uses by itself.

  python3 train.py --data data/train.npz --out out [--epochs 3] [--workers 0]

Prints one line per epoch: "epoch N loss L accuracy A time_s T".
train_with_mlprov.py reuses these functions and adds explicit mlprov calls.
"""
import argparse
import os
import time

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--workers", type=int, default=0, help="DataLoader worker processes")
    ap.add_argument("--seed", type=int, default=0)
    return ap.parse_args(argv)


def load_data(path):
    with np.load(path) as blob:
        return TensorDataset(torch.from_numpy(blob["x"]), torch.from_numpy(blob["y"]))


def build_model(features, hidden, classes):
    return nn.Sequential(nn.Linear(features, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                         nn.Linear(hidden, classes))


def train_epoch(model, loader, opt):
    loss_fn = nn.CrossEntropyLoss()
    total, correct, loss_sum = 0, 0, 0.0
    model.train()
    for x, y in loader:
        opt.zero_grad()
        out = model(x)
        loss = loss_fn(out, y)
        loss.backward()
        opt.step()
        loss_sum += loss.item() * len(y)
        correct += (out.argmax(1) == y).sum().item()
        total += len(y)
    return loss_sum / total, correct / total


def run(args, on_checkpoint=None):
    """Trains; calls on_checkpoint(path, final) after every file it saves."""
    torch.manual_seed(args.seed)
    torch.set_num_threads(1)
    data = load_data(args.data)
    features, classes = data.tensors[0].shape[1], int(data.tensors[1].max()) + 1
    loader = DataLoader(data, batch_size=args.batch_size, shuffle=True, num_workers=args.workers)
    model = build_model(features, args.hidden, classes)
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    os.makedirs(os.path.join(args.out, "checkpoints"), exist_ok=True)
    for epoch in range(1, args.epochs + 1):
        t0 = time.perf_counter()
        loss, acc = train_epoch(model, loader, opt)
        dt = time.perf_counter() - t0
        ckpt = os.path.join(args.out, "checkpoints", "epoch-%d.pt" % epoch)
        torch.save({"epoch": epoch, "model": model.state_dict(), "optimizer": opt.state_dict()}, ckpt)
        if on_checkpoint:
            on_checkpoint(ckpt, False)
        print("epoch %d loss %.4f accuracy %.4f time_s %.4f" % (epoch, loss, acc, dt), flush=True)
    final = os.path.join(args.out, "model.pt")
    torch.save(model.state_dict(), final)
    if on_checkpoint:
        on_checkpoint(final, True)
    return model


if __name__ == "__main__":
    run(parse_args())
